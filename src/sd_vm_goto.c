/* sd_vm_goto.c -- the interpreter with computed-goto (threaded) dispatch,
 * built when configure found that the compiler supports labels as values
 * (SD_HAVE_COMPUTED_GOTO).  The extension is wrapped in __extension__ in
 * sd_vm_body.h so -pedantic builds stay quiet. */
#include "sd_program.h"

#if SD_HAVE_COMPUTED_GOTO
#define SD_VM_GOTO 1
#define SD_VM_FN sd_vm_exec_goto
#include "sd_vm_body.h"
#else
/* ISO C forbids an empty translation unit. */
typedef int sd_vm_goto_unused;
#endif
