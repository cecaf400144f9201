/* sd_opcodes.c -- tables generated from the opcode list in sd_opcodes.h. */
#include "sd_opcodes.h"

#define SD_X_NAME(name, fmt) #name,
const char *const sd_opcode_names[SDI__COUNT] = { SD_OPCODES(SD_X_NAME) };
#undef SD_X_NAME

#define SD_X_FMT(name, fmt) fmt,
const unsigned char sd_opcode_formats[SDI__COUNT] = { SD_OPCODES(SD_X_FMT) };
#undef SD_X_FMT
