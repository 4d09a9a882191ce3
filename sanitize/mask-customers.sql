-- The sample refresh job's sanitizing script (estate.sample.json, refreshJobs[0] names it by its
-- path beside the estate). It runs in the staging copy of Sales on sql-dev before the copy goes
-- live; GO separates batches.
UPDATE dbo.Customers SET Email = CONCAT('user', CustomerId, '@example.invalid');
GO
-- dbo.Customers.TaxId is Always Encrypted: the app holds no column master key, so no script can
-- mask it; the run's output lists it under notMasked.
SELECT COUNT(*) AS customers FROM dbo.Customers;
