/* sd_vm_lanes_switch.c -- the lane interpreters (SD_LANES runs per
 * dispatch) with one central switch: the portable build, and the A side of
 * the lanes' dispatch comparison.  Two from the one body: the bounded one
 * (stops at ctx->end) runs the arms of a split (sd_lanes.c). */
#include "sd_program.h"

#define SD_VM_K SD_LANES
#define SD_VSTRIDE SD_LANES        /* before sd_math.h: helpers read one lane */
#define SD_VM_GOTO 0
#define SD_VM_TO sd_vm_lanes_switch_to

/* the bounded one runs only split arms: compact code (loops over the
   lanes), quicker to compile */
#ifndef SD_LANES_COMPACT
#define SD_LANES_COMPACT
#define SD_LANES_COMPACT_HERE
#endif
#define SD_VM_BOUNDED 1
#define SD_VM_FN sd_vm_lanes_switch_to
#include "sd_vm_body.h"
#undef SD_VM_BOUNDED
#undef SD_VM_FN
#ifdef SD_LANES_COMPACT_HERE
#undef SD_LANES_COMPACT
#undef SD_LANES_COMPACT_HERE
#endif

#define SD_VM_BOUNDED 0
#define SD_VM_FN sd_vm_lanes_switch
#include "sd_vm_body.h"
