/* sd_vm_count.c -- the switch interpreter counting every dispatch by
 * opcode (SD_DISPATCH_COUNT): how many instructions a model really runs
 * per step, and which, for bench/.  Never used for ordinary runs. */
#include "sd_program.h"

#define SD_VM_GOTO 0
#define SD_VM_COUNT 1
#define SD_VM_FN sd_vm_exec_count
#include "sd_vm_body.h"
