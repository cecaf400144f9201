/* sd_vm_lanes_goto.c -- the lane interpreter (SD_LANES runs per dispatch)
 * with computed-goto dispatch, built when configure found labels as
 * values (SD_HAVE_COMPUTED_GOTO). */
#include "sd_program.h"

#if SD_HAVE_COMPUTED_GOTO
#define SD_VM_K SD_LANES
#define SD_VSTRIDE SD_LANES        /* before sd_math.h: helpers read one lane */
#define SD_VM_GOTO 1
#define SD_VM_FN sd_vm_lanes_goto
#include "sd_vm_body.h"
#else
/* ISO C forbids an empty translation unit. */
typedef int sd_vm_lanes_goto_unused;
#endif
