import CollabCLI
CollabCommand.execute()
