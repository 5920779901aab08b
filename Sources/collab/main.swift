import CollabCLI

await CollabCommand.execute()
