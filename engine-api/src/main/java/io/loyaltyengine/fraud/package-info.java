/**
 * Fraud screening of referrals: risk levels, the signals rules raise, and the engine-wide screening settings a host
 * extends with its own rules and disposable-email domains.
 */
package io.loyaltyengine.fraud;
