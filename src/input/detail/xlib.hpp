// The only place the module includes X headers. Xlib defines `Status` as a macro, which would
// clobber ds::Status; result.hpp is included first and the macro is removed afterwards, so files
// that include this header must not include X headers directly (use `int` for Xlib's Status).
#pragma once

#include "core/result.hpp"

// clang-format off
#include <X11/Xlib.h>
#include <X11/Xatom.h>
#include <X11/Xutil.h>
#include <X11/XKBlib.h>
#include <X11/keysym.h>
#include <X11/extensions/XTest.h>
#include <X11/extensions/Xfixes.h>
#include <X11/extensions/Xrandr.h>
// clang-format on

#undef Status
