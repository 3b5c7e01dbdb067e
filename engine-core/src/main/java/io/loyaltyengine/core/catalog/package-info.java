/**
 * The catalog: rewards a campaign's participants redeem with points, with stock
 * ({@link io.loyaltyengine.core.catalog.CatalogService}).
 */
package io.loyaltyengine.core.catalog;
