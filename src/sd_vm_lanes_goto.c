/* sd_vm_lanes_goto.c -- the lane interpreters (SD_LANES runs per
 * dispatch) with computed-goto dispatch, built when configure found labels
 * as values (SD_HAVE_COMPUTED_GOTO); sd_vm_lanes.h makes both. */
#include "sd_program.h"

#if SD_HAVE_COMPUTED_GOTO
#define SD_VM_GOTO 1
#define SD_VM_LANES_FN sd_vm_lanes_goto
#define SD_VM_LANES_TO sd_vm_lanes_goto_to
#include "sd_vm_lanes.h"
#else
/* ISO C forbids an empty translation unit. */
typedef int sd_vm_lanes_goto_unused;
#endif
