//! Published projects (公布的项目): numbered in batches, searchable by anyone, imported and exported as published lists.
