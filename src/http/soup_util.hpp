// libsoup helpers shared by the servers of this module (not part of the module's interface).
#pragma once

#include <libsoup/soup.h>

#include <string>
#include <string_view>

#include "core/result.hpp"
#include "http/server.hpp"

namespace ds::http::detail {

// Sends `r` with the headers every deskstream response carries (no-store, nosniff, close).
void respond(SoupServerMessage* msg, const Response& r);

// The socket address addr:port, or an error naming SELKIES_ADDR when addr is not an IP address.
Result<GSocketAddress*> socketAddress(const std::string& addr, int port);
// "cannot listen on addr:port (settings): <err>"; clears `err`.
std::string listenError(const std::string& addr, int port, std::string_view settings, GError** err);

}  // namespace ds::http::detail
