#ifndef AGENDA_CLIBFUZZER_H
#define AGENDA_CLIBFUZZER_H

#include <stddef.h>
#include <stdint.h>

/// libFuzzer's driver, for a program that has its own main (compiler-rt's FuzzerInterface.h):
/// SwiftPM links every executable's `main` to its module's entry point, so libFuzzer's own
/// main is never linked and the harness hands libFuzzer its arguments and callback itself.
/// Defined only when linked with -sanitize=fuzzer.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
