# DS_SANITIZE: build every target of this project instrumented by the compiler's sanitizers, in a
# build directory of its own (scripts/test_sanitize.sh uses build-asan/ and build-tsan/).
#   -DDS_SANITIZE=address,undefined   ASan + LSan + UBSan (UBSan findings abort: no recovery)
#   -DDS_SANITIZE=thread              TSan
# Only our code is instrumented: GLib, GStreamer, libnice and the other system libraries come from
# Debian unmodified, hence the suppression files under tests/sanitizers/ (third-party frames only).
set(DS_SANITIZE "" CACHE STRING "Sanitizers to build with: address,undefined or thread (empty: none)")
if(DS_SANITIZE)
  if(DS_SANITIZE MATCHES "thread" AND DS_SANITIZE MATCHES "address")
    message(FATAL_ERROR "DS_SANITIZE: thread cannot be combined with address")
  endif()
  set(ds_san_flags -fsanitize=${DS_SANITIZE} -fno-omit-frame-pointer)
  if(DS_SANITIZE MATCHES "undefined")
    list(APPEND ds_san_flags -fno-sanitize-recover=undefined)
  endif()
  # -O1 (the level the sanitizers' authors recommend) after the build type's -O2: with UBSan's
  # checks, -O2 roughly doubles compile time on the template-heavy files for little gain in an
  # instrumented build; -g keeps the reports' stacks readable.
  list(APPEND ds_san_flags -O1 -g)
  add_compile_options(${ds_san_flags})
  add_link_options(${ds_san_flags})
  message(STATUS "deskstream: sanitizers ${DS_SANITIZE}")
endif()
