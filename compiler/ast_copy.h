/* ast_copy.h - deep copies of AST subtrees (see ast_copy.c). */
#ifndef SONDE_AST_COPY_H
#define SONDE_AST_COPY_H

#include "ast.h"

Expr *ast_copy_expr(const Expr *e);
Expr *ast_copy_expr_list(const Expr *e);
Stmt *ast_copy_stmt(const Stmt *s);
Stmt *ast_copy_stmt_list(const Stmt *s);

#endif
