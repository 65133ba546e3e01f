from autopass.cli import main

main()
