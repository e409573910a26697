// Shared by every kernel file: the host pastes it in front of each source.
// Tuning constants in the kernel files are #ifndef defaults, specialised per device with -D.
#ifndef CONVEYOR_COMMON_H
#define CONVEYOR_COMMON_H
#define CEIL_DIV(a, b) (((a) + (b) - 1) / (b))
#endif
