select * from (select 1 as id) as my_subquery where false
