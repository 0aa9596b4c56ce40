import Glibc
import StewardCLI

/// The executable is only the entry point; everything else lives in StewardCLI so it is testable.
///
/// A closed pipe (`steward get | head`, a health probe's peer gone) is an error where it happens, never a
/// signal that kills the process mid-pass; children get default dispositions back (ProcessGroupChild).
signal(SIGPIPE, SIG_IGN)
await StewardCommand.execute()
