// Debian's firefox-esr, driven headless over WebDriver BiDi by puppeteer-core: the
// Firefox twin of harness.mjs's launchBrowser(). No OpenH264: Firefox then decodes VP8, VP9 and
// AV1 only, as on the many installs without the plugin it downloads at run time.
import { existsSync } from 'node:fs';
import puppeteer from 'puppeteer-core';
import { tempDir } from './harness.mjs';

export const firefoxBin = '/usr/bin/firefox-esr';

// Why Firefox tests cannot run here, or '' when they can.
export function firefoxMissing() {
  return existsSync(firefoxBin) ? '' : `${firefoxBin} is not installed (Debian package firefox-esr)`;
}

// Preferences for a loopback-only test machine:
// - media.peerconnection.ice.loopback: gather 127.0.0.1 host candidates (off by default, so in a
//   network namespace with only `lo` Firefox gathers none and ICE never starts);
// - media.peerconnection.ice.obfuscate_host_addresses: plain addresses instead of mDNS names
//   (nothing resolves .local names here);
// - media.peerconnection.ice.default_address_only / no_host: off, every host candidate;
// - media.autoplay.*: play without a click, as Chromium's --autoplay-policy;
// - media.gmp-gmpopenh264.*: never fetch OpenH264 (the test machine is offline, and the point is
//   a Firefox without H.264).
export const firefoxPrefs = {
  'media.peerconnection.ice.loopback': true,
  'media.peerconnection.ice.obfuscate_host_addresses': false,
  'media.peerconnection.ice.default_address_only': false,
  'media.peerconnection.ice.no_host': false,
  'media.peerconnection.ice.link_local': true,
  'media.navigator.permission.disabled': true,
  'media.autoplay.default': 0,
  'media.autoplay.blocking_policy': 0,
  'media.gmp-gmpopenh264.enabled': false,
  'media.gmp-gmpopenh264.autoupdate': false,
  'media.gmp-manager.updateEnabled': false,
  'network.proxy.type': 0,
  'dom.events.asyncClipboard.readText': true,
  'dom.events.testing.asyncClipboard': true,
};

// Host candidates Firefox gathers here (in a blank page). Firefox 153 gathers none on a machine
// whose only interface is loopback, even with media.peerconnection.ice.loopback set (checked in
// an `unshare -n` namespace with only `lo` up), so there a Firefox viewer cannot connect.
export async function firefoxCandidates(browser) {
  const page = await browser.newPage();
  try {
    return await page.evaluate(async () => {
      const pc = new RTCPeerConnection();
      pc.createDataChannel('probe');
      const found = [];
      pc.onicecandidate = (e) => { if (e.candidate && e.candidate.candidate) found.push(e.candidate.candidate); };
      await pc.setLocalDescription(await pc.createOffer());
      await new Promise((r) => setTimeout(r, 2000));
      pc.close();
      return found;
    });
  } finally {
    await page.close();
  }
}

// Why a Firefox viewer cannot connect here, or '' when it can gather a candidate.
export async function firefoxCannotConnect(browser) {
  const found = await firefoxCandidates(browser);
  return found.length > 0 ? '' : 'Firefox gathers no ICE candidate on this machine (only a loopback interface: ' +
    'Firefox does not gather 127.0.0.1 even with media.peerconnection.ice.loopback), so it cannot connect here';
}

export async function launchFirefox(prefs = {}) {
  return puppeteer.launch({
    browser: 'firefox',
    executablePath: firefoxBin,
    headless: true,
    userDataDir: tempDir('ds-firefox-'),
    extraPrefsFirefox: { ...firefoxPrefs, ...prefs },
  });
}
