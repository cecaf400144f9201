/* sd_vm_lanes_switch.c -- the lane interpreter (SD_LANES runs per
 * dispatch) with one central switch: the portable build, and the A side of
 * the lanes' dispatch comparison. */
#include "sd_program.h"

#define SD_VM_K SD_LANES
#define SD_VSTRIDE SD_LANES        /* before sd_math.h: helpers read one lane */
#define SD_VM_GOTO 0
#define SD_VM_FN sd_vm_lanes_switch
#include "sd_vm_body.h"
