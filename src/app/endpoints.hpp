// The HTTP server's handlers: the health probes, /turn, the self-test download and the signalling
// WebSocket, each behind Access. Main-loop thread only.
#pragma once

#include <string>

#include "http/server.hpp"

namespace ds::config {
struct Config;
}
namespace ds::session {
class Manager;
}

namespace ds::app {

class Access;
class DisplayProbe;
class IceSources;

// What the handlers use; everything outlives the HTTP server that calls them.
struct EndpointDeps {
  const config::Config& config;
  Access& access;
  DisplayProbe& display;
  IceSources& ice;
  session::Manager& sessions;
};

http::Handlers makeHandlers(EndpointDeps deps);

// A plain-text response.
http::Response text(int status, std::string body);

}  // namespace ds::app
