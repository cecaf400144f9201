/* sd_vm_switch.c -- the interpreter with one central switch: the portable
 * fallback, and the A side of every dispatch comparison. */
#include "sd_program.h"

#define SD_VM_GOTO 0
#define SD_VM_FN sd_vm_exec_switch
#include "sd_vm_body.h"
