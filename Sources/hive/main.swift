import HiveCLI
import HivePlatform
import Glibc

Profile.mark("main")
exit(HiveCommand.main(CommandLine.arguments))
