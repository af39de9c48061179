// Debian's firefox-esr, driven headless over WebDriver BiDi by puppeteer-core (issue 18): the
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

export async function launchFirefox(prefs = {}) {
  return puppeteer.launch({
    browser: 'firefox',
    executablePath: firefoxBin,
    headless: true,
    userDataDir: tempDir('ds-firefox-'),
    extraPrefsFirefox: { ...firefoxPrefs, ...prefs },
  });
}
