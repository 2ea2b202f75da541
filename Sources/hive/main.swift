import HiveCLI
import HiveOCI
import Glibc

Profile.mark("main")
exit(HiveCommand.main(CommandLine.arguments))
