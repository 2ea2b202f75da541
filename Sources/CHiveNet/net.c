// The network's kernel side: see include/hive_net.h.
#include "hive_net.h"
