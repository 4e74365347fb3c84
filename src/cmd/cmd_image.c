/* placeholder replaced below */
#include "cmd/cmd.h"
int cmd_image(int argc, char **argv, struct kctx *k) { return cmd_usage(k); }
