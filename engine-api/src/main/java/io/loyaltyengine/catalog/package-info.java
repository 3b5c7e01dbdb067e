/** The catalog: rewards participants redeem with points, with stock. */
package io.loyaltyengine.catalog;
