/* sd_vm_lanes_switch.c -- the lane interpreters (SD_LANES runs per
 * dispatch) with one central switch: the portable build, and the A side of
 * the lanes' dispatch comparison; sd_vm_lanes.h makes both. */
#include "sd_program.h"

#define SD_VM_GOTO 0
#define SD_VM_LANES_FN sd_vm_lanes_switch
#define SD_VM_LANES_TO sd_vm_lanes_switch_to
#include "sd_vm_lanes.h"
