import HiveCLI
import HiveOCI
import HivePlatform
import Glibc

Profile.mark("main")
exit(HiveCommand.main(CommandLine.arguments))
