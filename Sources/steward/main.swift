import StewardCLI

await StewardCommand.main()
