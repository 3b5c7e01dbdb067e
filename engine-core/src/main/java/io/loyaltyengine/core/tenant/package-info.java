/** Tenants: the accounts that own everything else. */
package io.loyaltyengine.core.tenant;
