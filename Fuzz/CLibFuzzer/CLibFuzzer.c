// The declaration in include/CLibFuzzer.h is all this target gives; SwiftPM wants a source file.
#include "CLibFuzzer.h"
