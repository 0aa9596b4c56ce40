import StewardCLI

/// The executable is only the entry point; everything else lives in StewardCLI so it is testable.
await StewardCommand.execute()
