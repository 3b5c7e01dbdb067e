/**
 * Tenants: the accounts that own brands, campaigns and everything below them; every row of a tenant carries its id,
 * and the keys of its tables lead with it.
 */
package io.loyaltyengine.tenant;
