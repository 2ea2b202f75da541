import HiveCLI
import Glibc

exit(HiveCommand.main(CommandLine.arguments))
