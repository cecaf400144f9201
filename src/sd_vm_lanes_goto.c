/* sd_vm_lanes_goto.c -- the lane interpreters (SD_LANES runs per
 * dispatch) with computed-goto dispatch, built when configure found labels
 * as values (SD_HAVE_COMPUTED_GOTO).  Two from the one body: the bounded
 * one (stops at ctx->end) runs the arms of a split (sd_lanes.c). */
#include "sd_program.h"

#if SD_HAVE_COMPUTED_GOTO
#define SD_VM_K SD_LANES
#define SD_VSTRIDE SD_LANES        /* before sd_math.h: helpers read one lane */
#define SD_VM_GOTO 1
#define SD_VM_TO sd_vm_lanes_goto_to

/* the bounded one runs only split arms: compact code (loops over the
   lanes), quicker to compile */
#ifndef SD_LANES_COMPACT
#define SD_LANES_COMPACT
#define SD_LANES_COMPACT_HERE
#endif
#define SD_VM_BOUNDED 1
#define SD_VM_FN sd_vm_lanes_goto_to
#include "sd_vm_body.h"
#undef SD_VM_BOUNDED
#undef SD_VM_FN
#ifdef SD_LANES_COMPACT_HERE
#undef SD_LANES_COMPACT
#undef SD_LANES_COMPACT_HERE
#endif

#define SD_VM_BOUNDED 0
#define SD_VM_FN sd_vm_lanes_goto
#include "sd_vm_body.h"
#else
/* ISO C forbids an empty translation unit. */
typedef int sd_vm_lanes_goto_unused;
#endif
