// cairo draws the plots (antialiased paths, text through fontconfig and FreeType) and writes
// them as PNG or SVG; cairo-svg.h is not included by cairo.h.
#include <cairo.h>
#include <cairo-svg.h>
