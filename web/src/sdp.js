// Answer munging done by the Selkies client (gst-web's webrtc.js): sps-pps-idr-in-keyframe=1
// next to packetization-mode, and stereo=1;minptime=10 in a non-multiopus Opus fmtp.
export function mungeAnswer(sdp) {
  let out = sdp;
  if (out.includes('packetization-mode=') && !out.includes('sps-pps-idr-in-keyframe')) {
    out = out.replace(/(a=fmtp:\d+ .*packetization-mode=\d+)/g, '$1;sps-pps-idr-in-keyframe=1');
  }
  if (!out.includes('multiopus')) {
    out = out.replace(/(a=fmtp:\d+ .*useinbandfec=1)(?!;stereo)/g, '$1;stereo=1;minptime=10');
  }
  return out;
}
