/* sd_opcodes.c -- tables generated from the opcode list in sd_opcodes.h. */
#include "sd_opcodes.h"

#define SD_X_NAME(name, fmt) #name,
const char *const sd_opcode_names[SDI__COUNT] = { SD_OPCODES(SD_X_NAME) };
#undef SD_X_NAME

#define SD_X_FMT(name, fmt) fmt,
const unsigned char sd_opcode_formats[SDI__COUNT] = { SD_OPCODES(SD_X_FMT) };
#undef SD_X_FMT

int sd_ins_words(const sd_ins *in) {
  switch (sd_opcode_formats[in->op]) {
  case SD_F_DABC: return 2;
  case SD_F_LIST: return 1 + (in->a + 2) / 3;
  case SD_F_W3: return 3;
  case SD_F_W4: return 4;
  case SD_F_W5: return 5;
  default: return 1;
  }
}
