/// A FIFO queue: appends at the back, pops at the front in amortised O(1).
struct Deque<Element>: Sequence {
    private var storage: [Element] = []
    private var head = 0

    var isEmpty: Bool { head == storage.count }
    var count: Int { storage.count - head }

    mutating func append(_ element: Element) { storage.append(element) }

    mutating func popFirst() -> Element? {
        guard head < storage.count else { return nil }
        let element = storage[head]
        head += 1
        if head == storage.count {
            storage.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 1024, head * 2 >= storage.count {
            // Popped elements are released in bulk once they are half the storage.
            storage.removeFirst(head)
            head = 0
        }
        return element
    }

    func makeIterator() -> ArraySlice<Element>.Iterator { storage[head...].makeIterator() }
}

/// A binary min-heap.
struct Heap<Element: Comparable> {
    private var items: [Element] = []

    var isEmpty: Bool { items.isEmpty }
    var count: Int { items.count }
    func peek() -> Element? { items.first }

    mutating func insert(_ element: Element) {
        items.append(element)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard items[child] < items[parent] else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> Element? {
        guard !items.isEmpty else { return nil }
        items.swapAt(0, items.count - 1)
        let top = items.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < items.count, items[left] < items[smallest] { smallest = left }
            if right < items.count, items[right] < items[smallest] { smallest = right }
            guard smallest != parent else { break }
            items.swapAt(parent, smallest)
            parent = smallest
        }
        return top
    }
}

/// A token bucket (golang.org/x/time/rate's reservation): `rate` tokens per second up to `burst`; taking a token
/// that is not there yet tells how long until it is.
struct TokenBucket<Instant: InstantProtocol> where Instant.Duration == Duration {
    let rate: Double
    let burst: Int
    private var tokens: Double
    private var last: Instant

    init(rate: Double, burst: Int, now: Instant) {
        self.rate = rate
        self.burst = burst
        tokens = Double(burst)
        last = now
    }

    /// Takes one token at `now`. - Returns: zero when one was there, else the wait until it will be.
    mutating func reserve(at now: Instant) -> Duration {
        guard rate > 0 else { return .zero }
        if last < now {
            tokens = min(Double(burst), tokens + last.duration(to: now).seconds * rate)
            last = now
        }
        tokens -= 1
        return tokens >= 0 ? .zero : .seconds(-tokens / rate)
    }
}

extension Duration {
    /// The duration in seconds, as a Double.
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
