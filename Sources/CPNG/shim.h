// Only libpng's simplified API (png_image_*) is used: it needs no setjmp/longjmp.
#include <png.h>
