/**
 * Brands: a tenant's shops, each with a website whose domain is unique within the tenant; campaigns belong to a
 * brand.
 */
package io.loyaltyengine.brand;
