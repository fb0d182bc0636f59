-- pgbench custom script for bench/masking.sh: one customer row by primary key, every masked column in it.
-- Through the "masked" connection: card_number (last4), email (hash), national_id (full) by column rule, and every
-- detector over the other text values (the phone number is found and masked). Through "plain": the same bytes unmasked.
\set id random(1, 10000)
SELECT id, name, email, card_number, national_id, phone, created_at FROM customers WHERE id = :id;
