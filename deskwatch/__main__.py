from deskwatch.cli import main

main()
