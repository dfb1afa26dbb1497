"""The top-level fields Storehouse knows for each Shopify REST entity (from Shopify's documentation, the
shared fixtures and the sandbox). Anything else in a record is schema drift: it passes into the raw store
untouched and staging lists it in the materialisation's metadata, so a new API field is noticed."""

KNOWN_FIELDS: dict[str, frozenset[str]] = {
    "orders": frozenset(
        """
        admin_graphql_api_id app_id billing_address browser_ip buyer_accepts_marketing cancel_reason
        cancelled_at cart_token checkout_id checkout_token client_details closed_at confirmation_number
        confirmed contact_email created_at currency current_subtotal_price current_subtotal_price_set
        current_total_discounts current_total_discounts_set current_total_duties_set current_total_price
        current_total_price_set current_total_tax current_total_tax_set customer customer_locale
        device_id discount_applications discount_codes email estimated_taxes financial_status
        fulfillment_status fulfillments gateway id landing_site landing_site_ref line_items location_id
        merchant_of_record_app_id name note note_attributes number order_number order_status_url
        payment_details payment_gateway_names payment_terms phone po_number presentment_currency
        processed_at processing_method reference referring_site refunds shipping_address shipping_lines
        source source_identifier source_name source_url subtotal_price subtotal_price_set tags tax_lines
        taxes_included test token total_discounts total_discounts_set total_line_items_price
        total_line_items_price_set total_outstanding total_price total_price_set total_price_usd
        total_shipping_price_set total_tax total_tax_set total_tip_received total_weight updated_at
        user_id
        """.split()
    ),
    "customers": frozenset(
        """
        accepts_marketing addresses admin_graphql_api_id created_at currency default_address email
        email_marketing_consent first_name id last_name last_order_id last_order_name
        multipass_identifier note orders_count phone sms_marketing_consent state tags tax_exempt
        tax_exemptions total_spent updated_at verified_email
        """.split()
    ),
    "products": frozenset(
        """
        admin_graphql_api_id body_html created_at handle id image images options product_type
        published_at published_scope status tags template_suffix title updated_at variants vendor
        """.split()
    ),
    "locations": frozenset(
        """
        active address1 address2 admin_graphql_api_id city country country_code country_name created_at
        deleted_at id legacy localized_country_name localized_province_name name phone province
        province_code updated_at zip
        """.split()
    ),
    "inventory_levels": frozenset(
        """
        admin_graphql_api_id available inventory_item_id location_id updated_at
        """.split()
    ),
}
