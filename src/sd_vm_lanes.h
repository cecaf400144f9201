/* sd_vm_lanes.h -- the two lane interpreters of one dispatch kind, from
 * the one body (sd_vm_body.h with SD_LANES lanes): SD_VM_LANES_TO, the
 * bounded one that stops at ctx->end and runs the arms of a split
 * (sd_lanes.c), in compact code (loops over the lanes, quicker to
 * compile: it runs only split arms), then SD_VM_LANES_FN, the one batches
 * step with.  Included by sd_vm_lanes_goto.c and sd_vm_lanes_switch.c
 * with SD_VM_GOTO and the two names defined. */
#define SD_VM_K SD_LANES
#define SD_VSTRIDE SD_LANES        /* before sd_math.h: helpers read one lane */
#define SD_VM_TO SD_VM_LANES_TO

#ifndef SD_LANES_COMPACT
#define SD_LANES_COMPACT
#define SD_LANES_COMPACT_HERE
#endif
#define SD_VM_BOUNDED 1
#define SD_VM_FN SD_VM_LANES_TO
#include "sd_vm_body.h"
#undef SD_VM_BOUNDED
#undef SD_VM_FN
#ifdef SD_LANES_COMPACT_HERE
#undef SD_LANES_COMPACT
#undef SD_LANES_COMPACT_HERE
#endif

#define SD_VM_BOUNDED 0
#define SD_VM_FN SD_VM_LANES_FN
#include "sd_vm_body.h"
