/**
 * Single sign-on ({@link io.loyaltyengine.core.sso.SingleSignOnService}): tenants' secrets, verification of signed
 * logins, and recognition of the customer as a participant through its customer mapping.
 */
package io.loyaltyengine.core.sso;
