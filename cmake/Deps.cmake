# System dependencies, all from Debian 12 packages (scripts/deps.sh installs them).
# GStreamer and GLib headers are included with -isystem so their warnings stay out of ours.
pkg_check_modules(GLIB REQUIRED IMPORTED_TARGET glib-2.0 gobject-2.0 gio-2.0)
pkg_check_modules(GST REQUIRED IMPORTED_TARGET gstreamer-1.0>=1.22 gstreamer-base-1.0
                  gstreamer-rtp-1.0 gstreamer-sdp-1.0 gstreamer-video-1.0 gstreamer-app-1.0)
pkg_check_modules(GSTWEBRTC REQUIRED IMPORTED_TARGET gstreamer-webrtc-1.0)
pkg_check_modules(NICE REQUIRED IMPORTED_TARGET nice)
pkg_check_modules(SOUP REQUIRED IMPORTED_TARGET libsoup-3.0)
pkg_check_modules(X11 REQUIRED IMPORTED_TARGET x11 xtst xfixes xrandr xext)
pkg_check_modules(XDAMAGE REQUIRED IMPORTED_TARGET x11 xdamage)
pkg_check_modules(RHONABWY IMPORTED_TARGET librhonabwy)
pkg_check_modules(PNG IMPORTED_TARGET libpng)
pkg_check_modules(GNUTLS IMPORTED_TARGET gnutls)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(CLI11 REQUIRED)
find_package(prometheus-cpp CONFIG REQUIRED)
find_package(Threads REQUIRED)
