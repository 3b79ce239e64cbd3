from baas.cli import main

main()
