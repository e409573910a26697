// libjpeg-turbo's TurboJPEG API (2.x): it reports errors by return value and tjGetErrorStr2,
// never by longjmp, so Swift can call it directly.
#include <stddef.h>
#include <turbojpeg.h>
