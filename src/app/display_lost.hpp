// What deskstream does when the X server goes away (docs/decisions/0008-x-server-lost.md): it
// logs one line naming the display and exits with kExitDisplayLost, and whatever runs it (the
// image's entrypoint in the streamer container, systemd, a shell loop) starts it again once X
// answers. Xlib cannot reconnect a Display, and the first thread that touches the dead connection
// (the capture's, the input's) would otherwise end the process with Xlib's own message and
// status 1.
#pragma once

namespace ds::app {

// The exit status after the X connection was lost (EX_TEMPFAIL: try again later).
inline constexpr int kExitDisplayLost = 75;

// Installs the process-wide Xlib I/O error handler that does the above. Call before any
// XOpenDisplay; the handler runs on whichever thread saw the connection die.
void exitWhenDisplayLost();

}  // namespace ds::app
