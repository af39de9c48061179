// Injected before the web client (addInitScript): when each step towards the first frame happened,
// in ms from navigation start, for the video connection (the first WebSocket and peer connection
// the page opens). bench.mjs reads window.__dsTimeline after the first decoded frame.
(() => {
  const t = {};
  window.__dsTimeline = t;
  const mark = (name) => { if (!(name in t)) t[name] = Math.round(performance.now()); };
  document.addEventListener('DOMContentLoaded', () => mark('dom_content_loaded'));
  // Replaces window[name] with a constructor that calls `onFirst` with the first instance the
  // page creates (the video connection's); the page sees the native prototype and constants.
  const watchFirst = (name, onFirst) => {
    const Native = window[name];
    let created = 0;
    const Wrapped = function (...args) {
      const obj = new Native(...args);
      if (created++ === 0) onFirst(obj);
      return obj;
    };
    Wrapped.prototype = Native.prototype;
    Object.setPrototypeOf(Wrapped, Native);  // static members (WebSocket.OPEN, generateCertificate)
    window[name] = Wrapped;
  };
  watchFirst('WebSocket', (ws) => {
    mark('signalling_opened');
    const send = ws.send.bind(ws);
    ws.send = (data) => {
      const text = String(data);
      if (text.startsWith('HELLO')) mark('hello_sent');
      else if (text.startsWith('{"sdp"')) mark('answer_sent');
      return send(data);
    };
    ws.addEventListener('message', (e) => { if (String(e.data).startsWith('{"sdp"')) mark('offer_received'); });
  });
  watchFirst('RTCPeerConnection', (pc) => {
    mark('peer_connection_created');
    pc.addEventListener('iceconnectionstatechange', () => { if (pc.iceConnectionState === 'connected') mark('ice_connected'); });
    pc.addEventListener('connectionstatechange', () => { if (pc.connectionState === 'connected') mark('dtls_connected'); });
  });
})();
